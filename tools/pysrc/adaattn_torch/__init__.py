"""Our PyTorch implementation of AdaAttN (docs/MODEL.md): the reference for parity fixtures and the model the
training tool optimises. Import with PYTHONPATH=tools/pysrc and Debian's /usr/bin/python3 (python3-torch)."""
