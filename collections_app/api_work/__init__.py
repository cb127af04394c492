"""REST API of the collections manager's work: the collections list (``customers``), activities,
disputes, write-offs, collection letters and customer pools."""

from .activities import ActivityViewSet
from .customers import CollectionsCustomerViewSet
from .disputes import DisputeViewSet
from .letters import CollectionLetterViewSet
from .pools import CustomerPoolViewSet
from .write_offs import WriteOffViewSet

__all__ = [
    "ActivityViewSet",
    "CollectionLetterViewSet",
    "CollectionsCustomerViewSet",
    "CustomerPoolViewSet",
    "DisputeViewSet",
    "WriteOffViewSet",
]
