// Reads "<kind> <key hex> <value hex>" lines on stdin and decodes each with Kafka's own
// MirrorMaker 2 classes; prints one line per record: the fields, or "ERROR <message>".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HexFormat;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.Heartbeat;
import org.apache.kafka.connect.mirror.OffsetSync;

public class Decode {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        HexFormat hex = HexFormat.of();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            String[] parts = line.trim().split(" ");
            ConsumerRecord<byte[], byte[]> record =
                new ConsumerRecord<>("t", 0, 0L, hex.parseHex(parts[1]), hex.parseHex(parts[2]));
            try {
                switch (parts[0]) {
                    case "checkpoint" -> {
                        Checkpoint c = Checkpoint.deserializeRecord(record);
                        System.out.println("checkpoint " + c.consumerGroupId() + " "
                            + c.topicPartition().topic() + " " + c.topicPartition().partition() + " "
                            + c.upstreamOffset() + " " + c.downstreamOffset() + " [" + c.metadata() + "]");
                    }
                    case "heartbeat" -> {
                        Heartbeat h = Heartbeat.deserializeRecord(record);
                        System.out.println("heartbeat " + h.sourceClusterAlias() + " "
                            + h.targetClusterAlias() + " " + h.timestamp());
                    }
                    case "sync" -> {
                        OffsetSync s = OffsetSync.deserializeRecord(record);
                        System.out.println("sync " + s.topicPartition().topic() + " "
                            + s.topicPartition().partition() + " " + s.upstreamOffset() + " "
                            + s.downstreamOffset());
                    }
                    default -> System.out.println("ERROR unknown kind " + parts[0]);
                }
            } catch (RuntimeException e) {
                System.out.println("ERROR " + e);
            }
        }
    }
}
