"""The simulated chat model: the lab's default model, its skills (travel, research, team
roles), its physics (how scope, context and coupling set a decision's accuracy), the model
profiles it imitates and the token counts it charges."""
