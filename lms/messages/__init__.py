"""messages: in-app messages to a person (消息) and the e-mail outbox the scheduler sends by SMTP."""
