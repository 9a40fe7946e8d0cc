"""The registry under concurrent first use (the server answers requests in parallel)."""

import subprocess
import sys
import textwrap


def test_threads_racing_to_the_first_lookup_all_see_every_component():
    code = textwrap.dedent("""
        import threading
        from lumos.api import registry

        start = threading.Barrier(6)
        seen = []

        def look():
            start.wait()
            seen.append(sorted(registry.available("projector")))

        threads = [threading.Thread(target=look) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(seen)
        assert all(s == seen[0] for s in seen) and "pca" in seen[0], seen
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
