"""Quick-start connectors: lines of a file to Kafka, and records to lines of a file."""
