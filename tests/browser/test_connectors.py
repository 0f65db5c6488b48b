"""The console's connector pages in a real browser: create from the form, pause and resume,
a FAILED task's trace and restart, a bad config edit refused at its field, pasted task
JSON validated before creating, and the list's health ordering and filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import Console
from tests.helpers.kafka import create_topic, produce
from tests.helpers.wait import wait_until
from tests.plugins import AlwaysFailingTask

pytestmark = [pytest.mark.browser, pytest.mark.kafka]


def expect(locator):  # type: ignore[no-untyped-def]
    from playwright.async_api import expect as pw_expect

    return pw_expect(locator)


async def _lines(path: Path, count: int) -> None:
    await wait_until(
        lambda: path.exists() and len(path.read_text().splitlines()) >= count,
        message=f"{count} lines in {path.name}",
    )


async def test_create_from_form_then_pause_and_resume(
    console: Console, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic, name, out = f"t-{unique}", f"sink-{unique}", tmp_path / "out.txt"
    await create_topic(kafka_bootstrap, topic)
    await produce(kafka_bootstrap, topic, [(None, f"v{i}".encode()) for i in range(5)])
    page = console.page

    await console.open("create")
    await page.fill("#connector-name", name)
    await page.select_option("#plugin", "connectors.file.sink.FileStreamSinkConnector")
    await page.wait_for_selector("#create-form")
    await console.shot("form built from the plugin's definition")
    # the required key shows its error once touched, then clears when given
    await page.fill("#field-file", "x")
    await page.fill("#field-file", "")
    await expect(page.locator("#err-file")).to_be_visible()
    await page.fill("#field-file", str(out))
    await page.fill("#field-topics", topic)
    await page.fill("#field-key\\.converter", "string")
    await page.fill("#field-value\\.converter", "string")
    await expect(page.locator("#create-validation")).to_have_text("Valid")
    await console.shot("form valid")
    await page.click("#create")

    await expect(page.locator("h1")).to_have_text(name)
    await expect(page.locator("#connector-state")).to_have_text("connector RUNNING")
    await expect(page.locator("#tasks [data-task='0'] .badge")).to_have_text("RUNNING")
    await console.shot("running")
    await _lines(out, 5)

    # keyboard only: focus the Pause button and press Enter
    await page.focus("#actions button:text-is('Pause')")
    await page.keyboard.press("Enter")
    await expect(page.locator("#connector-state")).to_have_text("connector PAUSED")
    await expect(page.locator("#tasks [data-task='0'] .badge")).to_have_text("PAUSED")
    await console.shot("paused")
    assert (await console.http.get(f"/connectors/{name}/status")).json()["connector"][
        "state"
    ] == "PAUSED"

    await page.click("#actions button:text-is('Resume')")
    await expect(page.locator("#connector-state")).to_have_text("connector RUNNING")
    await produce(kafka_bootstrap, topic, [(None, b"after-resume")])
    await _lines(out, 6)
    await console.shot("resumed")

    await console.open("connectors")
    row = page.locator(f"#connectors tr[data-name='{name}']")
    await expect(row.locator(".badge")).to_have_text("HEALTHY")
    await console.shot("list")


async def test_failed_task_trace_and_restart(
    console: Console, kafka_bootstrap: str, unique: str
) -> None:
    failing, healthy = f"a-failing-{unique}", f"z-ok-{unique}"
    await create_topic(kafka_bootstrap, f"t-{unique}")
    configs = {
        failing: {"connector.class": "tests.plugins:AlwaysFailingSource"},
        healthy: {"connector.class": "datagen", "kafka.topic": f"t-{unique}", "rate": "10"},
    }
    for name, config in configs.items():
        r = await console.http.post("/connectors", json={"name": name, "config": config})
        assert r.status_code == 201, r.text
    page = console.page
    await console.open("connectors")
    # unhealthy first, whatever the names
    first = page.locator("#connectors tbody tr").first
    await expect(first).to_have_attribute("data-name", failing)
    await expect(first.locator(".badge")).to_have_text("FAILED")
    await page.fill("#filter", "alwaysfailing")
    await expect(page.locator(f"#connectors tr[data-name='{healthy}']")).to_be_hidden()
    await console.shot("failed first, filtered")

    await first.locator("a").click()
    task = page.locator("#tasks [data-task='0']")
    await expect(task.locator(".badge")).to_have_text("FAILED")
    await task.locator("summary").click()
    await expect(task.locator("pre.trace")).to_contain_text("boom: this task always fails")
    await console.shot("trace open")

    before = len(AlwaysFailingTask.attempts.get(failing, []))
    await task.locator("button:text-is('Restart task')").click()
    await wait_until(
        lambda: len(AlwaysFailingTask.attempts.get(failing, [])) > before,
        message="the task restarted",
    )
    await expect(task.locator(".badge")).to_have_text("FAILED")
    await console.shot("restarted, failed again")

    before = len(AlwaysFailingTask.attempts.get(failing, []))
    await page.click("#actions button:text-is('Restart failed')")
    await wait_until(
        lambda: len(AlwaysFailingTask.attempts.get(failing, [])) > before,
        message="restart?onlyFailed restarted the failed task",
    )
    await expect(page.locator("#actions .error:visible")).to_have_count(0)


async def test_bad_config_edit_shows_error_at_field_and_changes_nothing(
    console: Console, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic, name = f"t-{unique}", f"sink-{unique}"
    await create_topic(kafka_bootstrap, topic)
    config = {"connector.class": "file-sink", "topics": topic, "file": str(tmp_path / "o.txt")}
    r = await console.http.post("/connectors", json={"name": name, "config": config})
    assert r.status_code == 201, r.text
    page = console.page
    await console.open(f"connectors/{name}")
    await page.click("#edit-config")
    await page.wait_for_selector("#config-form")
    await page.fill("#new-key", "tasks.max")
    await page.click("#config-form button:text-is('Add')")
    await page.fill("#cfg-tasks\\.max", "many")
    error = page.locator("#err-tasks\\.max")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("integer")
    await expect(page.locator("#save-config")).to_be_disabled()
    await expect(page.locator("[data-field='file'] .field-error")).to_be_hidden()
    await console.shot("error at its field")
    stored = (await console.http.get(f"/connectors/{name}/config")).json()
    assert "tasks.max" not in stored and stored["file"] == config["file"]

    await page.fill("#cfg-tasks\\.max", "1")
    await expect(error).to_be_hidden()
    await expect(page.locator("#save-config")).to_be_enabled()
    await page.click("#save-config")
    await expect(page.locator("#saved")).to_be_visible()
    stored = (await console.http.get(f"/connectors/{name}/config")).json()
    assert stored["tasks.max"] == "1"
    await console.shot("fixed and saved")

    # the topics it used, and topics/reset (asked to confirm first)
    await expect(page.locator("#topics li")).to_have_text(topic)
    await page.click("#topics button:text-is('Reset topics')")
    await page.click("#confirm-ok")
    await expect(page.locator("#topics")).to_contain_text("No topics recorded.")
    used = (await console.http.get(f"/connectors/{name}/topics")).json()
    assert used == {name: {"topics": []}}
    await console.shot("topics reset")


async def test_pasted_task_json_is_validated_before_creating(
    console: Console, unique: str, tmp_path: Path
) -> None:
    name = f"pasted-{unique}"
    page = console.page
    await console.open("create")
    await page.fill(
        "#paste", json.dumps({"name": name, "config": {"connector.class": "file-sink"}})
    )
    await page.click("#check-paste")
    await expect(page.locator("#paste-errors")).to_contain_text("file")
    await expect(page.locator("#create-pasted")).to_be_disabled()
    await console.shot("pasted json with errors")

    flat = json.dumps(
        {
            "name": name,
            "connector.class": "file-sink",
            "topics": f"t-{unique}",
            "file": str(tmp_path / "p.txt"),
        }
    )
    await page.fill("#connector-name", "")
    await page.fill("#paste", flat)
    await page.click("#check-paste")
    await expect(page.locator("#paste-result")).to_contain_text("valid")
    await console.shot("flat json valid")
    await page.click("#create-pasted")
    await expect(page.locator("h1")).to_have_text(name)
    assert (await console.http.get(f"/connectors/{name}")).status_code == 200

    # Huawei Smart Connect's task body: read as the plugin its sink_type names
    huawei = {
        "task_name": f"dump-{unique}",
        "topics": f"t-{unique}",
        "source_type": "NONE",
        "sink_type": "OBS_SINK",
        "sink_task": {"consumer_strategy": "sometimes", "obs_bucket_name": "b"},
    }
    await console.open("create")
    await page.fill("#paste", json.dumps(huawei))
    await page.click("#check-paste")
    await expect(page.locator("#paste-result")).to_contain_text("Shape: huawei; plugin OBS_SINK")
    await expect(page.locator("#paste-errors")).to_contain_text("consumer_strategy")
    await expect(page.locator("#connector-name")).to_have_value(f"dump-{unique}")
    await expect(page.locator("#create-pasted")).to_be_disabled()
    await console.shot("huawei task json checked")


async def test_offsets_edited_and_reset_when_stopped(
    console: Console, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic, name, out = f"t-{unique}", f"sink-{unique}", tmp_path / "out.txt"
    await create_topic(kafka_bootstrap, topic)
    await produce(kafka_bootstrap, topic, [(None, f"v{i}".encode()) for i in range(5)])
    config = {
        "connector.class": "file-sink",
        "topics": topic,
        "file": str(out),
        "key.converter": "string",
        "value.converter": "string",
    }
    r = await console.http.post("/connectors", json={"name": name, "config": config})
    assert r.status_code == 201, r.text
    await _lines(out, 5)
    page = console.page
    await console.open(f"connectors/{name}")
    offsets = page.locator("#offsets")
    await expect(offsets).to_contain_text('{"kafka_offset":5}')
    await expect(offsets).to_contain_text("Stop the connector to edit or reset its offsets.")
    await expect(page.locator("#offsets-editor")).to_have_count(0)

    await page.click("#actions button:text-is('Stop')")
    await page.click("#confirm-ok")
    await expect(page.locator("#connector-state")).to_have_text("connector STOPPED")
    editor = page.locator("#offsets-editor")
    await expect(editor).to_be_visible()
    edited = json.loads(await editor.input_value())
    assert edited["offsets"][0]["offset"] == {"kafka_offset": 5}
    edited["offsets"][0]["offset"] = {"kafka_offset": 2}
    await editor.fill(json.dumps(edited))
    await console.shot("offsets edited while stopped")
    await page.click("#offsets button:text-is('Save offsets')")
    await expect(offsets).to_contain_text("altered successfully")
    await expect(offsets).to_contain_text('{"kafka_offset":2}')

    await page.click("#actions button:text-is('Resume')")
    await _lines(out, 8)  # records 2, 3, 4 again
    assert out.read_text().splitlines()[5:] == ["v2", "v3", "v4"]

    await page.click("#actions button:text-is('Stop')")
    await page.click("#confirm-ok")
    await expect(page.locator("#offsets-editor")).to_be_visible()
    await page.click("#offsets button:text-is('Reset offsets')")
    await expect(page.locator("#confirm")).to_be_visible()
    await page.click("#confirm-ok")
    await expect(offsets).to_contain_text("reset successfully")
    await console.shot("offsets reset")
    await page.click("#actions button:text-is('Resume')")
    await _lines(out, 13)  # all five again
