"""Case photos and attachments: validation (pure) and storage under ``settings.upload_dir``."""
