"""The local AWS (moto's server, TLS, loopback) the project rehearses on:

- server.py: the server, the environment and clients that reach it, a stack's working directory;
- moto_launch.py: moto's server with the calls it lacks that our plans make answered (EKS add-on
  versions);
- emulation.py: what moto cannot create, what it does not store, and second plans sorted by them;
- existing.py: what exists before any stack (the legacy backend, the hosted zones);
- iam.py: generated policies as moto's evaluator reads them, users, enforcement;
- region_cut.py: a proxy that cuts a region off (the DR drill);
- session.py: bootstrap and an environment applied on it, a second plan empty but for moto's gaps:
  `make local`, and the DR drill's set-up.
"""
