"""Query expressions the ORM does not have."""

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class AmongIds(Expression):
    """``column IN (ids)`` — on PostgreSQL ``column = ANY(ARRAY(ids))``: the subquery is read once, first (an
    InitPlan), and its ids are then a value the column's index is searched with (in a BitmapOr with other
    indexes too), where the planner makes ``IN`` a join or a hashed SubPlan that reads every row of the table to
    keep a few. ``ids``: a one-column queryset."""

    conditional = True

    def __init__(self, column: str, ids: QuerySet) -> None:
        super().__init__(output_field=BooleanField())
        self.column: Any = F(column)
        self.ids: Any = Subquery(ids)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.ids]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.column, self.ids = exprs

    def as_sql(self, compiler: Any, connection: Any, template: str = "{} IN {}") -> tuple[str, tuple]:
        column, column_params = compiler.compile(self.column)
        ids, ids_params = compiler.compile(self.ids)  # "(SELECT …)"
        return template.format(column, ids), (*column_params, *ids_params)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple]:
        return self.as_sql(compiler, connection, template="{} = ANY(ARRAY{})")
