"""The lender portal: watchlist, alerts, portfolio summary and CSV, and the lender API."""
