"""Pages of a long list without counting it: the library (50,000 items) and the people list
(56,000 people at 50,000 students), where counting cost more than reading the page."""

# Far beyond any list; keeps the OFFSET within a database integer.
LAST_PAGE = 100_000


class SlicePage:
    """A page of a list, read with LIMIT and OFFSET: one more item than shown tells whether a
    next page exists. No total: counting every person of a board took 26 ms of the people
    list's first page, and counting the items that pass a library filter costs as much as the
    filter over the whole library. The templates show the page number alone; a page past the
    end (a shortened list, an edited link) says so and links to the first page (`past_end`)."""

    paginator = None  # no page count

    def __init__(self, chosen, number, per_page: int):
        try:
            self.number = min(max(1, int(number)), LAST_PAGE)
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * per_page
        found = list(chosen[start : start + per_page + 1])
        self.object_list = found[:per_page]
        self._has_next = len(found) > per_page
        self.past_end = self.number > 1 and not self.object_list

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1 and not self.past_end

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1
