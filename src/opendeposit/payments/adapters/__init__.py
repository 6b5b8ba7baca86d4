"""Card network adapters: the sandbox network (demo, tests) and the real-shaped HTTP gateway."""
