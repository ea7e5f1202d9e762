"""xltools: 朝阳区项目支出绩效自评表 as a locked, self-scoring Excel workbook and a district summary."""

__version__ = "0.1.0"
