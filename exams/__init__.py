"""The on-site electronic exam and the registration of 18 hours (温人社发〔2020〕125号 第十条)."""
