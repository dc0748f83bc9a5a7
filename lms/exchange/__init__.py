"""Data exchange with the provincial registration system (浙人社发〔2016〕63号 第十四条): a year's registrations out
as CSV, XLSX or JSON Lines with a SHA-256 checksum file, and the same format in from another region's system."""
