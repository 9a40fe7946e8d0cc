"""CI audits: declarative suites of checks (``suite``), run through the engine's check
evaluation (``lumos.engine.checks``) by ``run``, written as JSON, JUnit XML, Markdown,
HTML and failure exports by the report modules. ``lumos audit SUITE.yaml`` is the CLI."""
