from django.contrib import admin
from django.urls import path

from archive.search import views as search
from archive.views import browse, experts, home, questions, quotes, takes

urlpatterns = [
    path("", home.home, name="home"),
    path("takes/", takes.take_list, name="take_list"),
    path("takes/<slug:slug>/", takes.take_detail, name="take_detail"),
    path("experts/", experts.expert_list, name="expert_list"),
    path("experts/<slug:slug>/", experts.expert_detail, name="expert_detail"),
    path("questions/", questions.question_list, name="question_list"),
    path("questions/<slug:slug>/", questions.question_detail, name="question_detail"),
    path("publications/", browse.publication_list, name="publication_list"),
    path("publications/<slug:slug>/", browse.listing_detail, {"listing": browse.OUTLET}, name="publication_detail"),
    path("collections/<slug:slug>/", browse.listing_detail, {"listing": browse.COLLECTION}, name="collection_detail"),
    path("themes/<slug:slug>/", browse.listing_detail, {"listing": browse.THEME}, name="theme_detail"),
    path("about/", home.about, name="about"),
    path("search/", search.search, name="search"),
    path("search/help/", search.search_help, name="search_help"),
    path("quotes/", search.quote_list, name="quote_list"),
    path("quotes/<int:pk>/", quotes.quote_detail, name="quote_detail"),
    path("admin/", admin.site.urls),
]
