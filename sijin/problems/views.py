"""HTML views (thin: access, form, service, render)."""
