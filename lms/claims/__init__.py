"""Hour claims (学时认证): issue 12."""
