from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from archive.alerts import views as alerts
from archive.opendata import exports, feeds
from archive.opendata import views as opendata
from archive.opendata.sitemaps import SITEMAPS
from archive.opendata.sitemaps import TEMPLATE as SITEMAP_TEMPLATE
from archive.search import views as search
from archive.views import browse, compare, experts, home, predictions, questions, quotes, takes

urlpatterns = [
    path("", home.home, name="home"),
    path("takes/", takes.take_list, name="take_list"),
    # Before the take pages: "feed" is not a take's slug.
    path("takes/feed/", feeds.TakeFeed(), name="take_feed"),
    path("takes/feed/rss/", feeds.TakeRss(), name="take_feed_rss"),
    re_path(r"^takes/export\.(?P<fmt>csv|json)$", exports.take_export, name="take_export"),
    path("takes/<slug:slug>/", takes.take_detail, name="take_detail"),
    path("takes/<slug:slug>/cite/", opendata.take_cite, name="take_cite"),
    re_path(r"^takes/(?P<slug>[-\w]+)/cite\.(?P<fmt>bib|ris|json)$", opendata.take_cite_file, name="take_cite_file"),
    path("experts/", experts.expert_list, name="expert_list"),
    path("experts/<slug:slug>/", experts.expert_detail, name="expert_detail"),
    path("questions/", questions.question_list, name="question_list"),
    path("questions/<slug:slug>/", questions.question_detail, name="question_detail"),
    path("publications/", browse.publication_list, name="publication_list"),
    path("publications/<slug:slug>/", browse.listing_detail, {"listing": browse.OUTLET}, name="publication_detail"),
    path("collections/<slug:slug>/", browse.listing_detail, {"listing": browse.COLLECTION}, name="collection_detail"),
    path("themes/<slug:slug>/", browse.listing_detail, {"listing": browse.THEME}, name="theme_detail"),
    path("about/", home.about, name="about"),
    path("compare/", compare.compare, name="compare"),
    path("agreement/", compare.agreement, name="agreement"),
    path("search/", search.search, name="search"),
    path("search/help/", search.search_help, name="search_help"),
    path("quotes/", search.quote_list, name="quote_list"),
    path("quotes/feed/", feeds.QuoteFeed(), name="quote_feed"),
    path("quotes/feed/rss/", feeds.QuoteRss(), name="quote_feed_rss"),
    re_path(r"^quotes/export\.(?P<fmt>csv|json)$", exports.quote_export, name="quote_export"),
    path("quotes/<int:pk>/cite/", opendata.quote_cite, name="quote_cite"),
    re_path(r"^quotes/(?P<pk>[0-9]+)/cite\.(?P<fmt>bib|ris|json)$", opendata.quote_cite_file, name="quote_cite_file"),
    re_path(r"^experts/export\.(?P<fmt>csv|json)$", exports.expert_export, name="expert_export"),
    re_path(
        r"^questions/(?P<slug>[-\w]+)/positions\.(?P<fmt>csv|json)$", exports.position_export, name="position_export"
    ),
    *(
        path(f"{prefix}/<slug:slug>/feed/{rss}", feed(), {"listing": listing}, name=f"{listing}_feed{rss and '_rss'}")
        for prefix, listing in feeds.LISTING_PREFIXES.items()
        for rss, feed in (("", feeds.ListingFeed), ("rss/", feeds.ListingRss))
    ),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS, "template_name": SITEMAP_TEMPLATE},
        name="sitemap_section",
    ),
    path("robots.txt", opendata.robots, name="robots"),
    path("alerts/follow/", alerts.follow_view, name="alert_follow"),
    path("alerts/confirm/<str:token>/", alerts.confirm_view, name="alert_confirm"),
    path("alerts/unsubscribe/<str:token>/", alerts.unsubscribe_view, name="alert_unsubscribe"),
    path("api/", include("archive.api.urls")),
    path("predictions/", predictions.prediction_list, name="prediction_list"),
    path("quotes/<int:pk>/", quotes.quote_detail, name="quote_detail"),
    path("admin/", admin.site.urls),
]
