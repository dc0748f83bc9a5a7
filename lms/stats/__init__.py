"""Statistics for every level (issue 14; 川人社发〔2016〕20号 七(三)): participants, who meets their policy, hours by
category and source, claims waiting, exams, training fees — each within the account's scope."""
