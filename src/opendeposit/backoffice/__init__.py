"""The bank's side: what staff see of a customer (search, the masked customer page)."""
