#!/bin/sh
# Registers the namespace when missing and each of the deals' search attributes that is
# missing, then checks that every one is there with its type. Any failure exits non-zero, so
# the worker and the API, which wait for this job to succeed, never run on a server whose
# visibility would refuse the workflows' upserts. An attribute already registered with
# another type is a failure too (the create is refused), never skipped.
#
# TEMPORAL_ADDRESS (read by the CLI), TEMPORAL_NAMESPACE (default), TEMPORAL_CLI: the CLI's
# path when it is not `temporal` on PATH (as in the temporalio/admin-tools image).
set -eu
cli=${TEMPORAL_CLI:-temporal}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_NAMESPACE_RETENTION:-7d}

# workflows/deal/search-attributes.ts, name:type (test/unit/infra/compose.test.ts keeps them equal).
ATTRIBUTES='DealStage:Keyword
DealOwner:Keyword
NextActionDueAt:Datetime
DecisionDeadline:Datetime
DealOverdue:Bool
DealPaused:Bool
DealDormant:Bool
DealBlocked:Keyword
HandoffBlockers:KeywordList'

if ! "$cli" operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  "$cli" operator namespace create --namespace "$namespace" --retention "$retention"
  echo "namespace created: $namespace"
fi

# A namespace just created reaches every service's cache within seconds: until then it is "not found".
listed() {
  tries=0
  until "$cli" operator search-attribute list --namespace "$namespace"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then
      echo "cannot list the search attributes of $namespace" >&2
      return 1
    fi
    sleep 1
  done
}
has() {
  printf '%s\n' "$1" | grep -Eq "^[[:space:]]*$2[[:space:]]+$3[[:space:]]*\$"
}

registered=$(listed)
for attribute in $ATTRIBUTES; do
  name=${attribute%%:*}
  type=${attribute#*:}
  if ! has "$registered" "$name" "$type"; then
    # One call per attribute: the CLI applies a single --type to every --name of a call.
    "$cli" operator search-attribute create --namespace "$namespace" --name "$name" --type "$type"
    echo "search attribute added: $name ($type)"
  fi
done

registered=$(listed)
missing=''
for attribute in $ATTRIBUTES; do
  if ! has "$registered" "${attribute%%:*}" "${attribute#*:}"; then missing="$missing $attribute"; fi
done
if [ -n "$missing" ]; then
  echo "search attributes not registered in $namespace:$missing" >&2
  exit 1
fi
echo "search attributes ready in $namespace"
