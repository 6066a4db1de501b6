"""What the generated OpenAPI schema cannot infer from the serializers.

- **Responses carry every field.** Assay's serializers write every declared field on output,
  but drf-spectacular lists a field with ``required=False`` (an optional input) as optional in
  the response component too; a client generated from the schema would then type ``status``
  or ``note`` as maybe-missing. Every response component lists all its properties as
  required; schemathesis, in the suite, checks the answers against that. The exceptions are
  the fields an answer leaves out when they have nothing to say (``_OPTIONAL_IN_RESPONSE``).
- **A span PATCH needs its ``version``** (missing: 400). PATCH bodies are partial, so the
  generated ``Patched…`` component requires nothing.
"""

# Request bodies whose fields really are optional, and the ones a PATCH must still carry.
_PATCH_REQUIRED = {"PatchedSpanUpdateRequest": ["version"]}
# Response fields present only when they have something to say.
_OPTIONAL_IN_RESPONSE = {"Suggestions": {"notes"}}


def _is_request(name: str) -> bool:
    return name.endswith("Request")


def postprocess_required_fields(result, generator, request, public):
    """``POSTPROCESSING_HOOKS`` entry: the rules of the module docstring, applied in place."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        properties = component.get("properties")
        if not properties:
            continue
        if name in _PATCH_REQUIRED:
            component["required"] = _PATCH_REQUIRED[name]
        elif not _is_request(name):
            optional = _OPTIONAL_IN_RESPONSE.get(name, set())
            component["required"] = [key for key in properties if key not in optional]
    return result
