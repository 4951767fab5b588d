from django.urls import path

from .views import communications, core, publications

urlpatterns = [
    path("", core.home, name="home"),
    path("health/", core.health, name="health"),
    path("communications/", communications.home, name="communications_home"),
    path("communications/people/", communications.lookup, name="communications_lookup"),
    path(
        "communications/people/<int:pk>/",
        communications.person_detail,
        name="communications_person",
    ),
    path(
        "communications/group-check/",
        communications.group_check_page,
        name="communications_group_check",
    ),
    path(
        "communications/publications/",
        publications.publication_list,
        name="communications_publications",
    ),
    path(
        "communications/publications/new/",
        publications.publication_create,
        name="communications_publication_create",
    ),
    path(
        "communications/publications/<int:pk>/",
        publications.publication_detail,
        name="communications_publication",
    ),
    path(
        "communications/publications/<int:pk>/review/",
        publications.publication_review_view,
        name="communications_publication_review",
    ),
    path(
        "communications/takedowns/<int:pk>/",
        publications.takedown_close_view,
        name="communications_takedown",
    ),
]
