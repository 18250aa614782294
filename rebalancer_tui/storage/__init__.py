"""The user's files: where they live, how they are read and written.

Modules: `locations` (every user directory and default path), `text`
(bounded reading of regular files), `json_file` (bounded, strict JSON),
`csv_files` (holdings, targets, prices, the orders export),
`portfolio_file` (the saved portfolio), `user_models` (the user's own model
portfolios), `atomic` (writes that leave the old file or the new one).

Nothing here imports Textual; importing the package itself is free.
"""
