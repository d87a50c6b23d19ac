"""The editor: document, undoable commands, canvas, layers, inspector, timeline."""
