import { z } from 'zod'
import { ROLES, TOKEN_SCOPES } from '../db/schema'

export const TokenInput = z.object({
  name: z.string().trim().min(1, 'Give the token a name').max(100),
  scope: z.enum(TOKEN_SCOPES).default('write'),
})

export const NewUserInput = z.object({
  email: z.email('Enter a valid email address').max(320),
  name: z.string().trim().max(200).default(''),
  role: z.enum(ROLES, 'Choose one of admin, editor, reviewer, viewer'),
  password: z.string().min(8, 'Use at least 8 characters').max(1000),
})

/** Forms send strings; "true"/"false" become booleans here, once. */
const formBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])

export const UserChangeInput = z
  .object({
    role: z.enum(ROLES, 'Choose one of admin, editor, reviewer, viewer').optional(),
    name: z.string().trim().max(200).optional(),
    disabled: formBoolean.optional(),
    password: z.string().min(8, 'Use at least 8 characters').max(1000).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'Nothing to change', path: ['form'] })
