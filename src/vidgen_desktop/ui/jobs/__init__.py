"""The job panels: render dialog, render hub, queue, history, analytics."""
