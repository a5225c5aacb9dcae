/**
 * The parts of Harbor's REST API v2.0 (`/api/v2.0`, goharbor/harbor `api/v2.0/swagger.yaml`) the webhook
 * mode reads, as zod 4 schemas: `Project`, `Repository`, `Artifact`, `Label` and the `Errors` envelope.
 * Harbor adds fields over releases, so objects are loose and only the fields used are required.
 */
import { z } from 'zod';
import { DigestSchema } from './schemas.js';

/** Harbor's base path of the REST API. */
export const HARBOR_API_BASE = '/api/v2.0';

/** swagger `parameters.pageSize`: `maximum: 100`. */
export const HARBOR_MAX_PAGE_SIZE = 100;

/** Label scopes (swagger `ListLabels`: "g for global labels and p for project labels"). */
export const LABEL_SCOPE = { global: 'g', project: 'p' } as const;

export const HarborProjectSchema = z.object({ project_id: z.number().int(), name: z.string().min(1) }).loose();
export type HarborProject = z.infer<typeof HarborProjectSchema>;

/** `name` is the full repository name, project included (`library/model`). */
export const HarborRepositorySchema = z.object({ name: z.string().min(1), artifact_count: z.number().optional() }).loose();
export type HarborRepository = z.infer<typeof HarborRepositorySchema>;

export const HarborLabelSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    scope: z.string().optional(),
    project_id: z.number().optional(),
    color: z.string().optional(),
    description: z.string().optional(),
  })
  .loose();
export type HarborLabel = z.infer<typeof HarborLabelSchema>;

/**
 * `type` is Harbor's artifact type (`IMAGE`, `CNAI`, `MODEL`, `MODELKIT`, `UNKNOWN`…, decided by the
 * artifact processors, harbor-scanner-api.md §3.8–§3.9); `media_type` is the config media type.
 */
export const HarborArtifactSchema = z
  .object({
    digest: DigestSchema,
    type: z.string().default(''),
    media_type: z.string().default(''),
    manifest_media_type: z.string().default(''),
    artifact_type: z.string().optional(),
    tags: z.array(z.object({ name: z.string() }).loose()).nullish(),
    labels: z.array(HarborLabelSchema).nullish(),
  })
  .loose();
export type HarborArtifact = z.output<typeof HarborArtifactSchema>;

/** swagger `Errors`: `{"errors": [{"code": "NOT_FOUND", "message": "…"}]}`. */
export const HarborErrorsSchema = z.object({
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() }).loose()),
});

/** What `POST /labels` takes (swagger `Label`: id and times are set by Harbor). */
export interface HarborLabelCreate {
  readonly name: string;
  readonly description: string;
  readonly color: string;
  readonly scope: (typeof LABEL_SCOPE)[keyof typeof LABEL_SCOPE];
  readonly project_id?: number;
}
