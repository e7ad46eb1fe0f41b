"""Code shared by the tests of every folder (tests/README.md).

tests/conftest.py puts ``tests/`` on ``sys.path``, so every folder imports this as ``helpers``.
"""
