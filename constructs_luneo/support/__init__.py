"""What the constructs, the stacks and the rules share, none of it a construct itself:

- errors.py: the user-facing errors (one line, no traceback);
- common.py: argument checks, the per-stack account lookups, the ingress security group;
- naming.py: how an environment names what it creates;
- facts.py, patterns.py: facts about AWS resource types and name patterns, written once;
- synthesized.py: the one reader of a synthesized stack (cdk.tf.json), used by the rules and the
  operations toolkit (luneo_ops);
- runtime.py, lazy_require.js: process set-up before cdktf is imported (docs/PERFORMANCE.md).

Importing this package is cheap: only common.py imports cdktf.
"""
