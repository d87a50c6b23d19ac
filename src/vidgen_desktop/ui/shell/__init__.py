"""The app shell: the application, the main window, actions, settings, notifications."""
