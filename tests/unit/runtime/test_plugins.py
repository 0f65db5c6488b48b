"""Plugin discovery and name resolution."""

import pytest

from connect.plugins import PluginRegistry, UnknownPlugin, registry


def test_builtins_by_alias_class_name_and_module() -> None:
    reg = registry()
    by_alias = reg.connector("file-source")
    assert by_alias.__name__ == "FileStreamSourceConnector"
    assert reg.connector("FileStreamSourceConnector") is by_alias
    assert reg.connector("connectors.file.source:FileStreamSourceConnector") is by_alias
    assert reg.converter("org.apache.kafka.connect.json.JsonConverter").__name__ == "JsonConverter"


def test_unknown_name_lists_known_and_suggests() -> None:
    with pytest.raises(UnknownPlugin) as info:
        registry().connector("file-sorce")
    message = str(info.value)
    assert "Did you mean 'file-source'?" in message
    assert "Known:" in message and "datagen" in message


def test_module_class_that_is_not_a_plugin() -> None:
    with pytest.raises(UnknownPlugin, match="is not a source or sink plugin"):
        registry().connector("json:JSONDecoder")


def test_plugin_path_folder_and_broken_plugin(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "my_plugin_ok.py").write_text(
        "from connect.api import SinkConnector, SinkTask\n"
        "class Task(SinkTask):\n"
        "    async def start(self, c): pass\n"
        "    async def put(self, r): pass\n"
        "    async def stop(self): pass\n"
        "class FolderSink(SinkConnector):\n"
        "    version = '9.9'\n"
        "    def task_class(self): return Task\n"
    )
    (folder / "my_plugin_broken.py").write_text("import does_not_exist_anywhere\n")
    reg = PluginRegistry([str(folder)])
    plugin = reg.find("FolderSink", "sink")
    assert plugin.version == "9.9" and str(folder) in plugin.origin
    broken = [p for p in reg.plugins if p.error and "does_not_exist_anywhere" in p.error]
    assert broken, "a plugin that fails to import is listed with its error"
