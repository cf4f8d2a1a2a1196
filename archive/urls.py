from django.contrib import admin
from django.urls import path

from archive import views
from archive.search import views as search_views

urlpatterns = [
    path("", views.home, name="home"),
    path("takes/", views.take_list, name="take_list"),
    path("takes/<slug:slug>/", views.take_detail, name="take_detail"),
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/<slug:slug>/", views.expert_detail, name="expert_detail"),
    path("questions/", views.question_list, name="question_list"),
    path("questions/<slug:slug>/", views.question_detail, name="question_detail"),
    path("publications/", views.publication_list, name="publication_list"),
    path("publications/<slug:slug>/", views.publication_detail, name="publication_detail"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection_detail"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme_detail"),
    path("about/", views.about, name="about"),
    path("search/", search_views.search, name="search"),
    path("search/help/", search_views.search_help, name="search_help"),
    path("quotes/", search_views.quote_list, name="quote_list"),
    path("admin/", admin.site.urls),
]
