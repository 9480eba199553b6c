//! Publishing packages and releases, deploying and changing infrastructure.

use crate::EffectKind;
use crate::walk::{Analyzer, Call, Flow};
use crate::word::Arg;

impl Analyzer<'_> {
    fn publish(&mut self, ecosystem: &str, target: Option<String>, call: &Call) {
        self.emit(
            EffectKind::Publish {
                ecosystem: ecosystem.to_string(),
                target,
            },
            call,
        );
    }

    fn deploy(&mut self, tool: &str, target: Option<String>, destructive: bool, call: &Call) {
        self.emit(
            EffectKind::Deploy {
                tool: tool.to_string(),
                target,
                destructive,
            },
            call,
        );
    }

    /// Publish and deploy commands; `None` when `name` is neither.
    pub(crate) fn publish_deploy(&mut self, name: &str, args: &[Arg], call: &Call) -> Option<Flow> {
        let words: Vec<&str> = args
            .iter()
            .filter(|a| !a.text.starts_with('-'))
            .map(|a| a.text.as_str())
            .collect();
        let has = |f: &str| {
            args.iter()
                .any(|a| a.text == f || a.text.starts_with(&format!("{f}=")))
        };
        let w = |n: usize| words.get(n).copied();
        let after = |n: usize| words.get(n).map(|s| (*s).to_string());
        match (name, w(0), w(1)) {
            ("npm" | "pnpm" | "bun", Some("publish"), _) => self.publish("npm", after(1), call),
            ("yarn", Some("publish"), _) | ("yarn", Some("npm"), Some("publish")) => {
                self.publish("npm", None, call)
            }
            ("cargo", Some("publish"), _) => self.publish("crates.io", None, call),
            ("twine", Some("upload"), _) => self.publish("pypi", after(1), call),
            ("poetry" | "uv" | "pdm" | "hatch" | "flit", Some("publish"), _) => {
                self.publish("pypi", None, call)
            }
            ("gem", Some("push"), _) => self.publish("rubygems", after(1), call),
            ("gh", Some("release"), Some("create" | "upload" | "edit")) => {
                self.publish("github", after(2), call)
            }
            ("docker" | "podman", Some("push"), _) => self.publish("docker", after(1), call),
            ("docker" | "podman", Some("image"), Some("push")) => {
                self.publish("docker", after(2), call)
            }
            ("helm", Some("push"), _) => self.publish("helm", after(1), call),
            ("mvn" | "mvnw", _, _) if words.contains(&"deploy") => {
                self.publish("maven", None, call)
            }
            ("gradle" | "gradlew", _, _) if words.iter().any(|w| w.starts_with("publish")) => {
                self.publish("maven", None, call)
            }
            ("dotnet", Some("nuget"), Some("push")) => self.publish("nuget", after(2), call),
            (
                "terraform" | "tofu" | "terragrunt",
                Some(op @ ("apply" | "destroy" | "import" | "taint")),
                _,
            ) => {
                let destructive = op == "destroy" || has("-destroy");
                self.deploy(name, None, destructive, call);
            }
            ("pulumi", Some(op @ ("up" | "destroy" | "update")), _) => {
                self.deploy("pulumi", None, op == "destroy", call)
            }
            (
                "kubectl" | "oc",
                Some(
                    op @ ("apply" | "delete" | "replace" | "scale" | "create" | "patch" | "rollout"
                    | "drain" | "edit" | "set" | "label" | "annotate"),
                ),
                _,
            ) => {
                self.deploy(name, after(1), op == "delete" || op == "drain", call);
            }
            (
                "helm",
                Some(op @ ("install" | "upgrade" | "uninstall" | "delete" | "rollback")),
                _,
            ) => {
                self.deploy("helm", after(1), matches!(op, "uninstall" | "delete"), call);
            }
            ("vercel", _, _) if has("--prod") || w(0) == Some("deploy") || w(0).is_none() => {
                self.deploy("vercel", None, false, call)
            }
            ("vercel", Some("remove" | "rm"), _) => self.deploy("vercel", after(1), true, call),
            ("netlify", Some("deploy"), _) => self.deploy("netlify", None, false, call),
            ("fly" | "flyctl", Some(op @ ("deploy" | "destroy" | "scale")), _) => {
                self.deploy("fly", None, op == "destroy", call)
            }
            ("fly" | "flyctl", Some("apps"), Some("destroy")) => {
                self.deploy("fly", after(2), true, call)
            }
            ("firebase", Some("deploy"), _) => self.deploy("firebase", None, false, call),
            (
                "aws",
                Some("cloudformation"),
                Some(op @ ("deploy" | "delete-stack" | "create-stack" | "update-stack")),
            ) => {
                self.deploy("aws", after(2), op == "delete-stack", call);
            }
            ("aws", Some("s3"), Some("rm")) => {
                self.deploy("aws", after(2), has("--recursive"), call)
            }
            ("aws", Some("s3"), Some("rb")) => self.deploy("aws", after(2), true, call),
            ("aws", Some("s3"), Some("sync")) if has("--delete") => {
                self.deploy("aws", after(3), true, call)
            }
            ("aws", Some(_), Some(op))
                if op.starts_with("terminate") || op.starts_with("delete") =>
            {
                self.deploy("aws", after(2), true, call)
            }
            ("gcloud", _, _) if words.contains(&"delete") => {
                self.deploy("gcloud", None, true, call)
            }
            ("gcloud", _, _) if words.contains(&"deploy") => {
                self.deploy("gcloud", None, false, call)
            }
            ("az", _, _) if words.contains(&"delete") => self.deploy("az", None, true, call),
            ("az", _, _) if words.iter().any(|w| w.contains("deploy") || *w == "create") => {
                self.deploy("az", None, false, call)
            }
            ("heroku", Some(op), _) if op.contains("destroy") || op.contains("delete") => {
                self.deploy("heroku", after(1), true, call)
            }
            ("heroku", Some(op), _)
                if op.contains("deploy")
                    || op.starts_with("releases:rollback")
                    || op.starts_with("ps:scale")
                    || op.starts_with("config:set") =>
            {
                self.deploy("heroku", None, false, call);
            }
            ("serverless" | "sls", Some(op @ ("deploy" | "remove")), _) => {
                self.deploy("serverless", None, op == "remove", call)
            }
            ("cdk", Some(op @ ("deploy" | "destroy")), _) => {
                self.deploy("cdk", after(1), op == "destroy", call)
            }
            (
                "docker" | "podman",
                Some("system" | "image" | "container" | "network" | "builder"),
                Some("prune"),
            ) => {
                self.deploy("docker", None, true, call);
            }
            ("docker" | "podman", Some("volume"), Some("rm" | "prune")) => {
                self.deploy("docker", after(2), true, call)
            }
            ("docker-compose", Some("down"), _) | ("docker", Some("compose"), Some("down"))
                if has("-v") || has("--volumes") =>
            {
                self.deploy("docker", None, true, call);
            }
            _ => return None,
        }
        Some(Flow::Unknown)
    }
}
