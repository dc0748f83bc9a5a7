"""Organisations and the administrative hierarchy (温人社发〔2020〕125号 第二、四、五、十六条; 桐人社发〔2018〕26号 第十三、
十七、十八条; 威人社字〔2022〕2号 三、四): regions with their HR bureaus, industry authorities, employers, personnel
agencies and training organisers; staff accounts that act with their organisation's powers; employment history; and
the one place that decides who may see and act on what (scope.py)."""
