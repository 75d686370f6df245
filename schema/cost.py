"""What an operation costs, worked out from its document before any resolver runs.

Every field that returns an object costs its weight (1 unless listed below; more where it
reaches a store of its own for each parent); a scalar costs nothing unless it reaches a store
(a count, a signed URL), since it comes with the row its parent loaded. A list multiplies
what is selected under it by how many items it may hold: a connection's ``edges`` (each item
1 besides) by its ``first`` (or the default page size), a list with a ``first`` argument by that, and any other
list by the bound declared here. Fragments count where they are spread; where an abstract
type's fragments differ by concrete type, the dearest counts.

The table lives next to the schema: a test holds every list of objects in the schema to a
declared bound, so a new one cannot slip in uncounted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
)

from settings import Settings

DEFAULT_WEIGHT = 1
LEAF_WEIGHT = 0
ITEM_WEIGHT = 1  # each item of a connection's page
# A connection reads its own page from a store for every parent it hangs under.
CONNECTION_WEIGHT = 10
CONNECTION_SUFFIX = "Connection"
PAGE_ARGUMENT = "first"
PAGE_LISTS = frozenset({"edges", "nodes"})
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})

# Fields dearer than one unit: each reaches a store (through a loader, a search or a ranking)
# beyond the row its parent already holds.
WEIGHTS: Mapping[str, int] = {
    "Query.feed": 50,
    "Query.searchPosts": 50,
    "Query.searchUsers": 50,
    "Query.suggestedUsers": 50,
    "Query.trendingHashtags": 20,
    "Query.hashtag": 5,
    "Query.user": 2,
    "Query.post": 2,
    "Query.node": 2,
    "Query.viewer": 2,
    "Query.unreadNotificationCount": 2,
    "Hashtag.postCount": 5,
    "User.viewerHasRequested": 1,
    "User.viewerHasBlocked": 1,
    "User.followerCount": 1,
    "User.followingCount": 1,
    "User.postCount": 1,
    "User.viewerIsFollowing": 1,
    "User.followsViewer": 1,
    "Post.author": 2,
    "Post.likeCount": 1,
    "Post.commentCount": 1,
    "Post.viewerHasLiked": 1,
    "Post.viewerHasSaved": 1,
    "Post.viewCount": 1,
    "Post.insights": 5,
    "Post.previewComments": 2,
    "Post.media": 2,
    "Media.url": 1,
    "Media.videoUrl": 1,
    "Comment.author": 2,
    "Notification.actors": 2,
    "Notification.post": 2,
    "Notification.comment": 2,
}

# The most items each plain list of objects can hold (lists of scalars cost their weight alone).
LIST_BOUNDS: Mapping[str, int | Callable[[Settings], int]] = {
    "Post.media": lambda settings: settings.max_media_per_post,
    "Post.previewComments": 2,
    "Notification.actors": 3,
    "PostInsights.days": lambda settings: settings.insights_days,
    "ModerationCase.reasons": 10,
    "MultipartPlan.parts": lambda settings: -(-settings.video_max_bytes // settings.multipart_part_size_bytes),
    "UploadTarget.headers": 10,
    # Payload errors: one per input field at most.
    "*.errors": 20,
}


@dataclass(frozen=True, slots=True)
class Assessment:
    cost: int
    introspection: bool  # whether the operation asks for __schema or __type


class CostAnalysis:
    """Works out the cost of one operation of a validated document."""

    def __init__(
        self,
        schema: GraphQLSchema,
        settings: Settings,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any] | None,
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.fragments = fragments
        self.variables = variables or {}
        self.introspection = False
        # A fragment spread many times is costed once per type: a document that spreads
        # fragments into one another cannot make this walk exponential.
        self._memo: dict[tuple[int, str], int] = {}

    def operation(self, operation: OperationDefinitionNode) -> Assessment:
        root = self.schema.get_root_type(operation.operation)
        cost = 0 if root is None else self._selection_cost(operation.selection_set, root)
        return Assessment(cost, self.introspection)

    def _selection_cost(self, selection_set: SelectionSetNode, parent: GraphQLCompositeType) -> int:
        key = (id(selection_set), parent.name)
        found = self._memo.get(key)
        if found is not None:
            return found
        concrete = (
            list(self.schema.get_possible_types(parent))
            if is_abstract_type(parent)
            else [cast(GraphQLObjectType, parent)]
        )
        cost = max((self._cost_on(selection_set, parent, kind) for kind in concrete), default=0)
        self._memo[key] = cost
        return cost

    def _cost_on(self, selection_set: SelectionSetNode, parent: GraphQLCompositeType, kind: GraphQLObjectType) -> int:
        """The cost of ``selection_set`` when the value at hand is of the object type ``kind``."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = self._condition(selection.type_condition.name.value if selection.type_condition else None)
                if condition is None or self._applies(condition, kind):
                    total += self._selection_cost(selection.selection_set, kind)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition = self._condition(fragment.type_condition.name.value)
                if condition is not None and self._applies(condition, kind):
                    total += self._selection_cost(fragment.selection_set, kind)
        return total

    def _condition(self, name: str | None) -> GraphQLNamedType | None:
        return None if name is None else self.schema.get_type(name)

    def _applies(self, condition: GraphQLNamedType, kind: GraphQLObjectType) -> bool:
        if condition.name == kind.name:
            return True
        return is_abstract_type(condition) and self.schema.is_sub_type(condition, kind)

    def _field_cost(self, node: FieldNode, parent: GraphQLCompositeType) -> int:
        name = node.name.value
        if name in INTROSPECTION_FIELDS:
            self.introspection = True
        if name.startswith("__"):
            return 0
        field = _field_of(parent, name)
        if field is None:
            return 0
        key = f"{parent.name}.{name}"
        named = get_named_type(field.type)
        is_connection = named.name.endswith(CONNECTION_SUFFIX) and PAGE_ARGUMENT in field.args
        if node.selection_set is None or not is_composite_type(named):
            return WEIGHTS.get(key, LEAF_WEIGHT)
        weight = WEIGHTS.get(key, CONNECTION_WEIGHT if is_connection else DEFAULT_WEIGHT)
        if is_connection:
            # Only the page's items repeat; pageInfo and the like are counted once.
            items = self._page_size(node)
            return weight + self._connection_cost(node.selection_set, named, items)
        below = self._selection_cost(node.selection_set, named)
        if _is_list(field):
            return weight + self._list_bound(node, field, key) * below
        return weight + below

    def _connection_cost(self, selection_set: SelectionSetNode, connection: GraphQLCompositeType, items: int) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.name.value in PAGE_LISTS:
                field = _field_of(connection, selection.name.value)
                if field is None or selection.selection_set is None:
                    continue
                item_type = cast(GraphQLCompositeType, get_named_type(field.type))
                # Each item is a row read, whatever is asked of it.
                item = ITEM_WEIGHT + self._selection_cost(selection.selection_set, item_type)
                total += DEFAULT_WEIGHT + items * item
            elif isinstance(selection, FieldNode):
                total += self._field_cost(selection, connection)
            else:
                # A fragment on the connection type itself: cost it as if written out here.
                if isinstance(selection, InlineFragmentNode):
                    inner: SelectionSetNode | None = selection.selection_set
                else:
                    spread = self.fragments.get(cast(FragmentSpreadNode, selection).name.value)
                    inner = spread.selection_set if spread is not None else None
                if inner is not None:
                    total += self._connection_cost(inner, connection, items)
        return total

    def _page_size(self, node: FieldNode) -> int:
        asked = self._int_argument(node, PAGE_ARGUMENT)
        if asked is None:
            return self.settings.default_page_size
        # A size past the cap is refused by the list itself; costing it at the cap keeps
        # the refusal the list's to give (a clear INVALID_INPUT), not this check's.
        return max(0, min(asked, self.settings.max_page_size))

    def _list_bound(self, node: FieldNode, field: GraphQLField, key: str) -> int:
        if PAGE_ARGUMENT in field.args:
            asked = self._int_argument(node, PAGE_ARGUMENT)
            if asked is None:
                default = field.args[PAGE_ARGUMENT].default_value
                asked = default if isinstance(default, int) else self.settings.default_page_size
            return max(0, min(asked, self.settings.max_page_size))
        bound = LIST_BOUNDS.get(key) or LIST_BOUNDS.get("*." + key.split(".", 1)[1])
        if bound is None:
            return self.settings.max_page_size
        return bound(self.settings) if callable(bound) else bound

    def _int_argument(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                found = self.variables.get(value.name.value)
                return found if isinstance(found, int) and not isinstance(found, bool) else None
        return None


def _field_of(parent: GraphQLCompositeType, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    return None if fields is None else fields.get(name)


def _is_list(field: GraphQLField) -> bool:
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(kind, GraphQLList)


def assess(
    schema: GraphQLSchema,
    settings: Settings,
    document: Any,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> Assessment:
    """The cost of ``operation`` in ``document`` with these variables."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return CostAnalysis(schema, settings, fragments, variables).operation(operation)


def unbounded_lists(schema: GraphQLSchema) -> list[str]:
    """Lists of objects in ``schema`` without a declared bound (a test keeps this empty)."""
    missing = []
    for type_ in schema.type_map.values():
        fields = getattr(type_, "fields", None)
        if type_.name.startswith("__") or fields is None:
            continue
        for name, field in fields.items():
            named = get_named_type(field.type)
            key = f"{type_.name}.{name}"
            if not _is_list(field) or not is_composite_type(named) or PAGE_ARGUMENT in field.args:
                continue
            if name in PAGE_LISTS and type_.name.endswith(CONNECTION_SUFFIX):
                continue
            if key not in LIST_BOUNDS and f"*.{name}" not in LIST_BOUNDS:
                missing.append(key)
    return missing
