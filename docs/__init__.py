"""The user guide (`docs/guide/`, Markdown in Vietnamese) and the script that makes its
screenshots from the app itself (`make docs`). Nothing in the app imports this package."""
