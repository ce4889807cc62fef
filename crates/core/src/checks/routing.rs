//! How API Gateway routes a REST request to a resource: the stage segment of an execute-api
//! URL, and the most specific resource path that matches (literal over `{param}` over greedy
//! `{proxy+}`). One matcher, shared by the policy evaluation and the deployed-path check.

/// The path after the stage, when the URL path starts with the whole stage segment
/// (`/prod/items` → `/items`; never `/production/items`).
pub(crate) fn after_stage<'p>(path: &'p str, stage: &str) -> Option<&'p str> {
    let rest = path.strip_prefix('/')?.strip_prefix(stage)?;
    match rest {
        "" => Some("/"),
        rest if rest.starts_with('/') => Some(rest),
        _ => None,
    }
}

/// How closely a resource path matches a request path, segment by segment: a literal
/// segment over a `{param}` over a greedy `{proxy+}` (one or more segments), the most
/// specific match winning as API Gateway documents for routing
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.evaluation,
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html);
/// `None` when it does not match.
pub(crate) fn specificity(resource: &str, request: &str) -> Option<Vec<u8>> {
    let mut wanted = request.split('/').filter(|s| !s.is_empty());
    let mut rank = Vec::new();
    for segment in resource.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('{') && segment.ends_with("+}") {
            wanted.next()?;
            rank.push(0);
            return Some(rank);
        }
        let part = wanted.next()?;
        if segment.starts_with('{') && segment.ends_with('}') {
            rank.push(1);
        } else if segment == part {
            rank.push(2);
        } else {
            return None;
        }
    }
    wanted.next().is_none().then_some(rank)
}

/// The resource path that serves `request`: the most specific of `paths` that matches.
pub(crate) fn serving<'a>(paths: impl Iterator<Item = &'a str>, request: &str) -> Option<&'a str> {
    paths
        .filter_map(|p| Some((specificity(p, request)?, p)))
        .max_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(_, p)| p)
}

/// The method on the serving resource that answers `verb`: the verb itself, else `ANY`
/// (none: API Gateway answers "Missing Authentication Token").
pub(crate) fn answering<'a, M>(
    methods: &'a [M],
    verb: &str,
    name: impl Fn(&M) -> &str,
) -> Option<&'a M> {
    let named = |v: &str| methods.iter().find(|m| name(m) == v);
    named(verb).or_else(|| named("ANY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_resource_serves() {
        let paths = ["/", "/items", "/items/{id}", "/{proxy+}", "/items/special"];
        let serve = |request: &str| serving(paths.iter().copied(), request);
        assert_eq!(serve("/items/special"), Some("/items/special"));
        assert_eq!(serve("/items/42"), Some("/items/{id}"));
        assert_eq!(serve("/items"), Some("/items"));
        assert_eq!(serve("/items/42/parts"), Some("/{proxy+}"));
        assert_eq!(serve("/"), Some("/"));
        assert_eq!(
            serving(["/{proxy+}"].into_iter(), "/"),
            None,
            "a greedy path needs a segment"
        );
        assert_eq!(
            serving(["/items"].into_iter(), "/Items"),
            None,
            "paths are case-sensitive"
        );
    }

    #[test]
    fn the_stage_is_a_whole_segment() {
        assert_eq!(after_stage("/prod/items", "prod"), Some("/items"));
        assert_eq!(after_stage("/prod", "prod"), Some("/"));
        assert_eq!(after_stage("/production/items", "prod"), None);
    }
}
