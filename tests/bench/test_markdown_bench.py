"""The bench's hostile-Markdown figure: measured for every input, judged against its budget."""

from bench import markdown, report


def test_hostile_markdown_is_within_its_ratio_budget_of_ordinary_text():
    figures = markdown.measure(runs=3)
    assert set(figures["pathological_ms"]) == set(markdown.PATHOLOGICAL)
    assert all(len(text) <= markdown.LENGTH for text in markdown.PATHOLOGICAL.values())
    budget = report.budgets()["ratios"]["markdown_pathological_vs_normal_max"]
    assert figures["worst_vs_normal"] <= budget, figures
