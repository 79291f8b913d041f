import io
import time

from core.progress import Progress, announced


def test_without_a_terminal_progress_is_plain_log_lines():
    stream = io.StringIO()
    progress = Progress("load", total=1000, unit="posts", stream=stream, log_every=0)
    for _ in range(4):
        progress.advance(250)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("load: 250/1,000 posts (")
    assert lines[-1].startswith("load: 1,000/1,000 posts")
    assert progress.count == 1000


def test_log_lines_are_rate_limited():
    stream = io.StringIO()
    progress = Progress("sink", unit="records", stream=stream, log_every=3600)
    for _ in range(100):
        progress.advance()
    assert stream.getvalue() == ""
    assert progress.count == 100
    progress.close()
    assert stream.getvalue().startswith("sink: 100 records (")


def test_a_slow_wait_is_announced_and_a_quick_one_is_not():
    slow, quick = io.StringIO(), io.StringIO()
    with announced("waiting for Kafka", stream=slow, after=0.05):
        time.sleep(0.3)
    with announced("waiting for S3", stream=quick, after=0.5):
        pass
    time.sleep(0.6)  # past the quick one's moment: its word must have been cancelled
    assert slow.getvalue() == "waiting for Kafka ...\n"
    assert quick.getvalue() == ""
