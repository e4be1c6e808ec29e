"""Portfolios: projects composed into one network, strategy KPIs and objectives, the
expression language KPIs are written in, and the fair comparison of options."""
