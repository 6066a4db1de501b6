"""The analyst's pages (server-rendered, htmx), a module per page family.

Every page looks its project up among the signed-in user's projects, so a page of another
project answers 404. Every write is a POST that calls one function of ``annotations.services``;
a refusal (``ValidationError``, ``PermissionDenied``, ``Conflict``) is shown inline, never as a
server error (``errors.py``). The annotate page's text is drawn by ``annotate_render.py``.

No names are re-exported here: ``urls.py`` imports each page family's module, and a view named
like its module (``annotate``, ``span_panel``) would shadow it.
"""
