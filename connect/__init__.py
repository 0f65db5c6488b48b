"""smart-connect: a plugin-based asyncio data-sync worker for Kafka."""

__version__ = "0.1.0"
