"""Year-end reminders (桐人社发〔2018〕26号 第十二、十四条; 威人社字〔2022〕2号 四): campaigns an HR bureau schedules to
tell the persons in its scope who are short of their policy's requirement what each lacks and how to get it, and
their employers who among their staff is short."""
