import django_filters

from hukou import selectors
from hukou.models import Category, HandlingMode, ServiceType


class ServiceTypeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="搜索：事项名称、说明或材料名称中包含的文字")
    category = django_filters.ChoiceFilter(choices=Category.choices)
    handling_mode = django_filters.ChoiceFilter(choices=HandlingMode.choices)

    class Meta:
        model = ServiceType
        fields = ["q", "category", "handling_mode"]

    def search(self, queryset, name, value):
        return selectors.service_type_search(queryset, value)
