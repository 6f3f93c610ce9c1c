"""What operators and subscribers do with subscribers: portal links (made, entered,
revoked) and the record of portal actions. The admin, the API, the commands and the
portal call these."""
