// Validates every Kubernetes object in the given YAML files (multi-document) against the schemas of the Kubernetes
// OpenAPI specification compiled into the kubernetes-models packages (types, required fields, enums, formats); the
// Prometheus Operator's ServiceMonitor against its CRD schema. Those schemas let unknown fields pass, which the API
// server would drop or refuse, so a second check walks the field lists of the official client's generated models and
// reports every field they do not know (strict mode, as kubectl's server-side field validation).
// Prints one JSON report: {"objects": n, "problems": ["file#doc Kind/name: message", ...]}.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
// The models alone: the package's index also loads its HTTP client, which needs a newer Node.js than Debian's.
import * as clientModels from "@kubernetes/client-node/dist/gen/models/all.js";

const groupPackages = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

function modulePath(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const pkg = groupPackages[group] ?? "kubernetes-models";
  return `${pkg}/${apiVersion}/${kind}`;
}

/** Model class of the official client, e.g. apps/v1 Deployment -> V1Deployment; undefined for custom resources. */
function clientModelName(apiVersion, kind) {
  const version = apiVersion.slice(apiVersion.indexOf("/") + 1);
  const name = version.charAt(0).toUpperCase() + version.slice(1) + kind;
  return clientModels[name]?.attributeTypeMap ? name : undefined;
}

function unknownFields(value, type, path, found) {
  if (value === null || value === undefined || typeof value !== "object") return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => unknownFields(item, array[1], `${path}/${i}`, found));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [key, item] of Object.entries(value)) unknownFields(item, map[1], `${path}/${key}`, found);
    return;
  }
  const fields = clientModels[type]?.attributeTypeMap;
  if (!fields) return;
  const fieldTypes = new Map(fields.map((field) => [field.baseName, field.type]));
  for (const [key, item] of Object.entries(value)) {
    if (fieldTypes.has(key)) unknownFields(item, fieldTypes.get(key), `${path}/${key}`, found);
    else found.push(`data${path}/${key} is not a field of ${type}`);
  }
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
    const clientModel = clientModelName(object.apiVersion, object.kind);
    if (clientModel) {
      const found = [];
      unknownFields(object, clientModel, "", found);
      if (found.length > 0) problems.push(`${label}: ${found.join(", ")}`);
    }
  }
}
console.log(JSON.stringify({ objects, problems }));
