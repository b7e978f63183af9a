// Validates every Kubernetes object in the given YAML files (multi-document) against the schemas of the Kubernetes
// OpenAPI specification compiled into the kubernetes-models packages; the Prometheus Operator's ServiceMonitor comes
// from its CRD schema. Prints one JSON report: {"objects": n, "problems": ["file#doc Kind/name: message", ...]}.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const groupPackages = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

function modulePath(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const pkg = groupPackages[group] ?? "kubernetes-models";
  return `${pkg}/${apiVersion}/${kind}`;
}

const problems = [];
let objects = 0;
for (const file of process.argv.slice(2)) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  for (const [index, document] of documents.entries()) {
    const where = `${file}#${index}`;
    if (document.errors.length > 0) {
      problems.push(`${where}: not YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue;
    objects++;
    const label = `${where} ${object.kind}/${object.metadata?.name}`;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      problems.push(`${label}: apiVersion and kind are required`);
      continue;
    }
    let model;
    try {
      model = (await import(modulePath(object.apiVersion, object.kind)))[object.kind];
    } catch {
      problems.push(`${label}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new model(object).validate();
    } catch (error) {
      problems.push(`${label}: ${error.message}`);
    }
  }
}
console.log(JSON.stringify({ objects, problems }));
