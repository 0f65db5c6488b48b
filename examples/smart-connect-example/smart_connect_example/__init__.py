"""Example smart-connect plugins."""
