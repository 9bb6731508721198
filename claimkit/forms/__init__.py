"""PDF drawing: values in, PDF bytes out (reportlab imported inside each renderer)."""
