"""Kafka → Kafka mirroring with MirrorMaker 2's semantics and names.

    mirror-source       MirrorSourceConnector: copies topics, writes offset syncs
    mirror-checkpoint   MirrorCheckpointConnector: translates consumer group offsets
    mirror-heartbeat    MirrorHeartbeatConnector: heartbeats on the source cluster
    kafka-replicator    KafkaReplicatorConnector: Huawei Smart Connect's replication task

Connectors reach Kafka with their own aiokafka clients built from the
``source.cluster.*``/``target.cluster.*`` keys; the runtime's producer is pointed at the
cluster that receives the records (``producer_overrides``), so source positions live in
that cluster's offsets topic, next to the data.
"""
