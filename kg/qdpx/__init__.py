"""REFI-QDA (.qdpx) exchange with QDA tools: safe reading, mapping to draft cases, writing."""
